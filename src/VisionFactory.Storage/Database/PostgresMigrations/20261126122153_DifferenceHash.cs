using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VisionFactory.Storage.Database.PostgresMigrations
{
    /// <inheritdoc />
    public partial class DifferenceHash : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<byte[]>(
                name: "DifferenceHash",
                table: "ImageSignatures",
                type: "bytea",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "DifferenceHash",
                table: "ImageSignatures");
        }
    }
}
