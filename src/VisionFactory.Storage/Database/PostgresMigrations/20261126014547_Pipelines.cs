using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace VisionFactory.Storage.Database.PostgresMigrations
{
    /// <inheritdoc />
    public partial class Pipelines : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "PipelineAlerts",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Pipeline = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    RaisedAt = table.Column<long>(type: "bigint", nullable: false),
                    Label = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Confidence = table.Column<double>(type: "double precision", nullable: false),
                    Frames = table.Column<int>(type: "integer", nullable: false),
                    Message = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PipelineAlerts", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "PipelineResults",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Pipeline = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Version = table.Column<int>(type: "integer", nullable: false),
                    Sequence = table.Column<long>(type: "bigint", nullable: false),
                    CapturedAt = table.Column<long>(type: "bigint", nullable: false),
                    Width = table.Column<int>(type: "integer", nullable: false),
                    Height = table.Column<int>(type: "integer", nullable: false),
                    TopLabel = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    Detections = table.Column<string>(type: "text", nullable: false),
                    ThumbnailSha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PipelineResults", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "PipelineVersions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Number = table.Column<int>(type: "integer", nullable: false),
                    Definition = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PipelineVersions", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_PipelineAlerts_Pipeline_Id",
                table: "PipelineAlerts",
                columns: new[] { "Pipeline", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_PipelineResults_Pipeline_Id",
                table: "PipelineResults",
                columns: new[] { "Pipeline", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_PipelineVersions_Name_Number",
                table: "PipelineVersions",
                columns: new[] { "Name", "Number" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "PipelineAlerts");

            migrationBuilder.DropTable(
                name: "PipelineResults");

            migrationBuilder.DropTable(
                name: "PipelineVersions");
        }
    }
}
