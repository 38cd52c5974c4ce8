using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VisionFactory.Storage.Database.PostgresMigrations
{
    /// <inheritdoc />
    public partial class DatasetReview : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "DatasetReviews",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    DatasetVersionId = table.Column<Guid>(type: "uuid", nullable: false),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false),
                    Report = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DatasetReviews", x => x.Id);
                    table.ForeignKey(
                        name: "FK_DatasetReviews_DatasetVersions_DatasetVersionId",
                        column: x => x.DatasetVersionId,
                        principalTable: "DatasetVersions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ImageEmbeddings",
                columns: table => new
                {
                    Sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Backbone = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Vector = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ImageEmbeddings", x => new { x.Sha256, x.Backbone });
                });

            migrationBuilder.CreateTable(
                name: "ImageSignatures",
                columns: table => new
                {
                    Sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    PerceptualHash = table.Column<long>(type: "bigint", nullable: false),
                    MeanLuminance = table.Column<double>(type: "double precision", nullable: false),
                    DarkFraction = table.Column<double>(type: "double precision", nullable: false),
                    BrightFraction = table.Column<double>(type: "double precision", nullable: false),
                    LaplacianVariance = table.Column<double>(type: "double precision", nullable: false),
                    MeasuredSide = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ImageSignatures", x => x.Sha256);
                });

            migrationBuilder.CreateIndex(
                name: "IX_DatasetReviews_DatasetVersionId_CreatedAt",
                table: "DatasetReviews",
                columns: new[] { "DatasetVersionId", "CreatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DatasetReviews");

            migrationBuilder.DropTable(
                name: "ImageEmbeddings");

            migrationBuilder.DropTable(
                name: "ImageSignatures");
        }
    }
}
